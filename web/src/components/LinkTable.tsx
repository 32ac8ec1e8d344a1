// One page of links: short URL (copyable), target, status and when it was made.
import type { Link } from '../api/types.ts';
import { linkStatus, shortUrlOf, type LinkStatus } from '../links.ts';
import { RouteLink } from '../router.tsx';
import { CopyButton } from './CopyButton.tsx';

export function LinkTable({ links }: { links: Link[] }) {
  if (links.length === 0) return <p class="empty">No links match.</p>;
  return (
    <table class="links">
      <caption class="visually-hidden">Links</caption>
      <thead>
        <tr><th scope="col">Short link</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Created</th></tr>
      </thead>
      <tbody>
        {links.map((link) => {
          const status = linkStatus(link);
          return (
            <tr key={link.id}>
              <td data-label="Short link">
                <RouteLink href={`/app/links/${link.id}`}>/{link.short_code}</RouteLink>{' '}
                <CopyButton text={shortUrlOf(link)} label={`Copy the short URL of /${link.short_code}`} />
                {link.title && <div class="muted">{link.title}</div>}
              </td>
              <td data-label="Target" class="target"><span title={link.original_url}>{link.original_url}</span></td>
              <td data-label="Status"><StatusBadge status={status} />{link.tags.map((tag) => <span class="tag" key={tag}>{tag}</span>)}</td>
              <td data-label="Created"><time dateTime={link.created_at}>{new Date(link.created_at).toLocaleString()}</time></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function StatusBadge({ status }: { status: LinkStatus }) {
  return <span class={`badge status-${status.replace(' ', '-')}`}>{status}</span>;
}
