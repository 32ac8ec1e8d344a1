// HTTP for abuse control (admin only; the service checks the actor): link bans under
// /urls/:id/ban and host bans under /banned-hosts.
import { Elysia, t } from 'elysia';
import type { AuthPlugin } from '../auth/plugin.ts';
import { IdParams } from '../http/params.ts';
import { Url } from '../urls/model.ts';
import { BannedHost, HostBanBody, HostBanResult, HostParams, LinkBanBody } from './model.ts';
import type { AbuseService } from './service.ts';

export function abuseRoutes(abuse: AbuseService, auth: AuthPlugin) {
  return new Elysia({ tags: ['abuse'] })
    .use(auth)
    .post('/urls/:id/ban', ({ params, body, actor }) => abuse.banLink(actor, params.id, body.reason), { params: IdParams, body: LinkBanBody, response: Url })
    .delete('/urls/:id/ban', ({ params, actor }) => abuse.unbanLink(actor, params.id), { params: IdParams, response: Url })
    .get('/banned-hosts', ({ actor }) => abuse.listHosts(actor), { response: t.Array(BannedHost) })
    .post('/banned-hosts', async ({ body, actor, set }) => {
      set.status = 201;
      return abuse.banHost(actor, body);
    }, { body: HostBanBody, response: { 201: HostBanResult } })
    .get('/banned-hosts/:host', ({ params, actor }) => abuse.getHost(actor, params.host), { params: HostParams, response: BannedHost })
    .delete('/banned-hosts/:host', async ({ params, actor, set }) => {
      await abuse.unbanHost(actor, params.host);
      set.status = 204;
    }, { params: HostParams });
}
