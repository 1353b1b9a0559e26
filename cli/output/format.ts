import { stringify } from 'yaml';

/** What `-o` accepts. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Renders a value the API returned: JSON and YAML show it whole, as the API sent it; the table
 * view is the command's own, of the fields a person looks at. Ends with a newline.
 */
export function render<T>(value: T, format: OutputFormat, table: (value: T) => string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(value, null, 2)}\n`;
    case 'yaml':
      return stringify(value, { lineWidth: 0 });
    case 'table':
      return `${table(value)}\n`;
  }
}
