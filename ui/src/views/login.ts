import { ApiError, setToken, tokenWorks } from '../api';
import { clear, h } from '../dom';

/** Sign-in: paste the admin or viewer token (bin/flotilla writes them under <home>/hub/). */
export function loginView(main: HTMLElement, signedIn: () => void): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', 'aria-describedby': 'token-help' });
  const message = h('p', { id: 'login-message', role: 'alert', class: 'error', hidden: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to the fleet dashboard'),
    h('label', { for: 'token' }, 'Bearer token'),
    input,
    h('p', { id: 'token-help', class: 'muted' },
      'The viewer token (read-only, ', h('code', {}, '<home>/hub/viewer-token'), ') or the admin token. ',
      'It is kept in this tab only (session storage) and sent to this hub alone.'),
    message,
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) return;
    button.disabled = true;
    message.hidden = true;
    try {
      if (await tokenWorks(candidate)) {
        setToken(candidate);
        signedIn();
        return;
      }
      message.textContent = 'This token was not accepted by the hub.';
    } catch (err) {
      message.textContent = `The hub could not be reached: ${err instanceof ApiError ? err.message : String(err)}`;
    }
    message.hidden = false;
    button.disabled = false;
    input.focus();
  });
  clear(main, form);
  input.focus();
}
