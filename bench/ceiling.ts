// The ceiling: the least a Bun HTTP server can do to answer a redirect.
const port = Number(Bun.argv[2] ?? 3900);
Bun.serve({
  port,
  hostname: '127.0.0.1',
  reusePort: false,
  fetch: () => new Response(null, { status: 302, headers: { Location: 'https://example.com/', 'Cache-Control': 'private, no-store' } }),
});
console.log(`ceiling listening on ${port}`);
