// HTTP for abuse control (admin only; the service checks the actor): link bans under
// /urls/:id/ban and host bans under /banned-hosts.
import { Elysia, t } from 'elysia';
import { OPEN_ACTOR } from '../auth/actor.ts';
import { IdParams } from '../http/params.ts';
import { Url } from '../urls/model.ts';
import { BannedHost, HostBanBody, HostBanResult, HostParams, LinkBanBody } from './model.ts';
import type { AbuseService } from './service.ts';

export function abuseRoutes(abuse: AbuseService) {
  // Until the auth plugin lands every request acts as AUTH_MODE=open's actor.
  const actor = OPEN_ACTOR;
  return new Elysia({ tags: ['abuse'] })
    .post('/urls/:id/ban', ({ params, body }) => abuse.banLink(actor, params.id, body.reason), { params: IdParams, body: LinkBanBody, response: Url })
    .delete('/urls/:id/ban', ({ params }) => abuse.unbanLink(actor, params.id), { params: IdParams, response: Url })
    .get('/banned-hosts', () => abuse.listHosts(actor), { response: t.Array(BannedHost) })
    .post('/banned-hosts', async ({ body, set }) => {
      set.status = 201;
      return abuse.banHost(actor, body);
    }, { body: HostBanBody, response: { 201: HostBanResult } })
    .get('/banned-hosts/:host', ({ params }) => abuse.getHost(actor, params.host), { params: HostParams, response: BannedHost })
    .delete('/banned-hosts/:host', async ({ params, set }) => {
      await abuse.unbanHost(actor, params.host);
      set.status = 204;
    }, { params: HostParams });
}
