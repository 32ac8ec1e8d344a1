// An API error exactly as the API worded it, with its per-field details.
import type { ApiError } from '../api/client.ts';

export function ErrorNote({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <p>{error.message}</p>
      {error.details.length > 0 && (
        <ul>{error.details.map((problem) => <li key={problem.field}><code>{problem.field}</code>: {problem.message}</li>)}</ul>
      )}
    </div>
  );
}
