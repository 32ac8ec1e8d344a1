// Where the API key is kept: this tab's sessionStorage, or localStorage when the user asked to be
// remembered. Only the key is stored; what it may do is the API's answer, never the console's guess.
const KEY_NAME = 'hop.apiKey';

export const session = {
  key(): string | null {
    return sessionStorage.getItem(KEY_NAME) ?? localStorage.getItem(KEY_NAME);
  },
  save(key: string, remember: boolean): void {
    this.clear();
    (remember ? localStorage : sessionStorage).setItem(KEY_NAME, key);
  },
  /** The visible id of the key in use (hop_<public_id>_<secret>), to mark it in the key list. */
  publicId(): string | null {
    return /^hop_([^_]+)_/.exec(this.key() ?? '')?.[1] ?? null;
  },
  clear(): void {
    sessionStorage.removeItem(KEY_NAME);
    localStorage.removeItem(KEY_NAME);
  },
};
