// prom-client's individual default collectors ship without type declarations.
declare module 'prom-client/lib/metrics/*.js' {
  import type { Registry } from 'prom-client';
  const register: (registry: Registry, config: Record<string, unknown>) => void;
  export default register;
}
