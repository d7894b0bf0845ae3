import './style.css';
import { forgetToken, token, whenUnauthorized } from './api';
import { clear } from './dom';
import { announce, parseRoute, type Route, type View } from './page';
import { loginView } from './views/login';
import { overviewView } from './views/overview';
import { clustersView } from './views/clusters';
import { clusterView } from './views/cluster';
import { subscriptionsView } from './views/subscriptions';
import { subscriptionView } from './views/subscription';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const signout = document.getElementById('signout') as HTMLButtonElement;
let current: AbortController | null = null;

function pick(route: Route): { view: View; title: string } {
  const [first, ns, name] = route.path;
  if (first === 'clusters' && ns && name) return { view: clusterView, title: `Cluster ${name}` };
  if (first === 'clusters') return { view: clustersView, title: 'Clusters' };
  if (first === 'subscriptions' && ns && name) return { view: subscriptionView, title: `Subscription ${name}` };
  if (first === 'subscriptions') return { view: subscriptionsView, title: 'Subscriptions' };
  return { view: overviewView, title: 'Fleet overview' };
}

function render(): void {
  current?.abort();
  current = new AbortController();
  const signedIn = token() !== null;
  nav.hidden = !signedIn;
  signout.hidden = !signedIn;
  if (!signedIn) {
    document.title = 'Sign in · Flotilla';
    loginView(main, () => render());
    return;
  }
  const route = parseRoute(location.hash);
  const { view, title } = pick(route);
  document.title = `${title} · Flotilla`;
  nav.querySelectorAll('a').forEach((a) => {
    const target = parseRoute(a.getAttribute('href') ?? '');
    const active = (target.path[0] ?? '') === (route.path[0] ?? '');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  clear(main);
  const signal = current.signal;
  Promise.resolve(view(main, route, signal)).catch((e: unknown) => {
    if (signal.aborted) return;
    console.error(e);
  });
}

/** Moves focus to the new page's heading so keyboard and screen reader users land on it. */
export function focusHeading(): void {
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

// the skip link must not change the hash (that is the router's)
document.querySelector('.skip-link')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
whenUnauthorized(() => {
  announce('Your token was refused; please sign in again.');
  render();
});
signout.addEventListener('click', () => {
  forgetToken();
  location.hash = '#/';
  render();
});
window.addEventListener('hashchange', () => {
  render();
  focusHeading();
});
render();
