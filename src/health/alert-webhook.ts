// Alerts that go nowhere must not be silent: a replica told about the deployment's Discord webhook
// (compose passes DISCORD_WEBHOOK_URL) warns at start when it is missing or a placeholder and
// reports hop_alert_webhook_configured 0, which the AlertWebhookNotConfigured rule turns into an
// alert visible in Prometheus, Alertmanager and Grafana.
import type { Logger } from 'pino';
import type { AlertWebhookState } from '../config.ts';
import type { Metrics } from '../metrics/metrics.ts';

export function reportAlertWebhook(state: AlertWebhookState, logger: Logger, metrics: Metrics | null): void {
  if (state === 'unchecked') return;
  metrics?.alertWebhook(state === 'configured');
  if (state === 'configured') return;
  logger.warn(
    { alert_webhook: state },
    `DISCORD_WEBHOOK_URL is ${state === 'missing' ? 'not set' : 'a placeholder'}: Alertmanager's alerts reach no one; set it in .env (docs/runbook.md#alertwebhooknotconfigured)`,
  );
}
