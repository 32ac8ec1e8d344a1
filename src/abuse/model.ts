// Request and response shapes for link bans and /banned-hosts.
import { t } from 'elysia';

export const LinkBanBody = t.Object({ reason: t.String({ minLength: 1, maxLength: 500 }) });

export const HostParams = t.Object({ host: t.String({ maxLength: 300 }) });

export const HostBanBody = t.Object({
  host: t.String({ maxLength: 300 }),
  reason: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
});

export const BannedHost = t.Object({
  host: t.String(),
  reason: t.Nullable(t.String()),
  source: t.String(),
  created_at: t.String({ format: 'date-time' }),
});

export const HostBanResult = t.Object({ ...BannedHost.properties, links_banned: t.Integer() });
