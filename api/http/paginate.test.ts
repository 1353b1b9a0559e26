import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonSchema } from '../openapi/registry.js';
import { listBody, listQuery, paginate } from './paginate.js';

const query = listQuery(['createdAt', 'name'], '-createdAt', { role: z.enum(['admin', 'viewer']).optional() });

describe('list parameters', () => {
  it('defaults to page 1, 50 per page, the default sort', () => {
    const q = query.parse({});
    expect(q).toEqual({ page: 1, perPage: 50, sort: [{ field: 'createdAt', direction: -1 }] });
    expect(paginate(q)).toEqual({ skip: 0, limit: 50, sort: [{ field: 'createdAt', direction: -1 }] });
  });

  it('reads strings from the query string and computes the offset', () => {
    const q = query.parse({ page: '3', perPage: '20', sort: 'name,-createdAt', role: 'admin' });
    expect(paginate(q)).toEqual({
      skip: 40,
      limit: 20,
      sort: [
        { field: 'name', direction: 1 },
        { field: 'createdAt', direction: -1 },
      ],
    });
    expect(q.role).toBe('admin');
  });

  it('names each bad parameter', () => {
    const result = query.safeParse({ page: '0', perPage: '501', sort: '-secretHash', colour: 'red' });
    expect(result.success).toBe(false);
    const fields = result.error?.issues.map((i) => i.path.join('.') || i.message);
    expect(fields).toEqual(expect.arrayContaining(['page', 'perPage', 'sort']));
    expect(JSON.stringify(result.error?.issues)).toContain('colour');
  });

  it('documents the accepted sort values as a pattern that agrees with what is parsed', () => {
    const doc = jsonSchema(query, 'input') as { properties: { sort: { pattern: string } } };
    const pattern = new RegExp(doc.properties.sort.pattern);
    for (const sort of ['name', '-createdAt', 'name, -createdAt ', ' -name,createdAt']) {
      expect(pattern.test(sort), sort).toBe(true);
      expect(query.safeParse({ sort }).success, sort).toBe(true);
    }
    for (const sort of ['', 'ï z', '-secretHash', 'name,', '--name', 'name|createdAt', '\u00a0name']) {
      expect(pattern.test(sort), sort).toBe(false);
      expect(query.safeParse({ sort }).success, sort).toBe(false);
    }
  });

  it('wraps items in the list envelope', () => {
    expect(listBody('apiKeys', [1, 2], { page: 2, perPage: 2 }, 7)).toEqual({
      apiKeys: [1, 2],
      page: 2,
      perPage: 2,
      total: 7,
    });
  });
});
