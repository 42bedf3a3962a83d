import { render } from 'solid-js/web';
import { App } from './app.tsx';
import { createSession } from './auth/session.ts';
import { createSessionApi } from './auth/session-api.ts';
import { createTokenStore } from './auth/token-store.ts';
// Imported for its effect too: it paints the remembered (or the system's) theme before the first render.
import './components/theme-store.ts';
import './styles.css';

/** `window.sessionStorage` itself throws when storage is blocked for the origin. */
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
const session = createSession(createTokenStore(sessionStorageOrNull()), createSessionApi());
// A reload keeps the HttpOnly cookie but not the CSRF token held in memory: ask for it again.
void session.resume();
render(() => <App session={session} graphqlUrl="/graphql" />, root);
