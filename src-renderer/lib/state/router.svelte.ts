/**
 * Hash routes (`#/runs/3`, `#/compare?ids=1,2`): they work unchanged from app://, http:// and a reload.
 */
export type ViewName = 'runs' | 'run' | 'new' | 'compare' | 'playground' | 'datasets' | 'models' | 'settings';

export interface Route {
  view: ViewName;
  id?: number;
  query: URLSearchParams;
}

const VIEWS: ViewName[] = ['runs', 'new', 'compare', 'playground', 'datasets', 'models', 'settings'];

export function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [head, second] = path.split('/');
  // A parsed snapshot of the hash, replaced whole on navigation: nothing mutates it, so no reactive wrapper.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const query = new URLSearchParams(search);
  if (head === 'runs' && second && /^\d+$/.test(second)) return { view: 'run', id: Number(second), query };
  const view = VIEWS.find((v) => v === head) ?? 'runs';
  return { view, query };
}

class Router {
  route = $state<Route>(parseHash(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => (this.route = parseHash(location.hash)));
  }

  go(path: string): void {
    location.hash = path.startsWith('#') ? path : `#${path}`;
  }
}

export const router = new Router();
