// Previous/next over a server-side paged list, with where we are in it.
interface Props {
  page: number;
  perPage: number;
  total: number;
  onPage(page: number): void;
}

export function Pager({ page, perPage, total, onPage }: Props) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>Previous</button>
      <span aria-live="polite">{first}–{last} of {total.toLocaleString()} (page {page} of {pages.toLocaleString()})</span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>Next</button>
    </nav>
  );
}
