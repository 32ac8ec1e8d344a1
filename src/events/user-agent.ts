// Crawlers and link-preview fetchers open links without a person behind them; clicks say so.
const AUTOMATED_AGENT =
  /bot\b|bot\/|crawl|spider|slurp|facebookexternalhit|facebot|embedly|preview|whatsapp|telegram|skypeuripreview|bitlybot|vkshare|pinterest|redditbot|headless|lighthouse/i;

export function isAutomatedAgent(userAgent: string | null): boolean {
  return userAgent !== null && AUTOMATED_AGENT.test(userAgent);
}
