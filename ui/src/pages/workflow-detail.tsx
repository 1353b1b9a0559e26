/** One workflow run with its live step timeline. */
import { PageHeader } from '../components/common.js';
import { LiveWorkflow } from '../components/workflow-timeline.js';

export function WorkflowDetail({ id }: { id: string }) {
  return (
    <>
      <PageHeader title={<code class="mono">{id}</code>} />
      <LiveWorkflow workflowId={id} title="Run" />
    </>
  );
}
