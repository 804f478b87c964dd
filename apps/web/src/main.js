// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The app: who is signed in, which page an address shows, and the frame
// around the pages (header, navigation that collapses on a phone, main).
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './styles.css';
import { api, csrf, explain, get, setCsrfToken } from './lib/api.js';
import { html } from './lib/html.js';
import { interceptLinks, match, navigate, useLocation } from './lib/router.js';
import { Session, isAdmin, isTeam } from './lib/session.js';
import { Bell } from './lib/notify.js';
import { ErrorBox, Loading, Page, lazy } from './lib/ui.js';
import { Forgot, Invite, Login, Reset, Unlock, Unsubscribe } from './pages/auth.js';
import { Dashboard } from './pages/dashboard.js';
import { Clients } from './pages/clients.js';
import { ClientDetail } from './pages/client.js';
import { JobDetail, Jobs } from './pages/jobs.js';
import { Automation } from './pages/automation.js';
import { Team } from './pages/team.js';
import { Account } from './pages/account.js';
import { PortalDeliverables, PortalFiles, PortalHome, PortalPlan } from './pages/portal.js';

// Pages in chunks of their own, loaded when first shown.
const tickets = () => import('./pages/tickets.js');
const notifications = () => import('./pages/notifications.js');
const TicketQueue = lazy(tickets, 'TicketQueue');
const TicketDetail = lazy(tickets, 'TicketDetail');
const PortalTickets = lazy(tickets, 'PortalTickets');
const PortalTicket = lazy(tickets, 'PortalTicket');
const help = () => import('./pages/help.js');
const emails = () => import('./pages/emails.js');
const HelpHome = lazy(help, 'HelpHome');
const HelpArticle = lazy(help, 'HelpArticle');
const HelpArticles = lazy(help, 'HelpArticles');
const HelpEdit = lazy(help, 'HelpEdit');
const Emails = lazy(emails, 'Emails');
const Onboarding = lazy(() => import('./pages/onboarding.js'), 'Onboarding');
const Analytics = lazy(() => import('./pages/analytics.js'), 'Analytics');
const EmailDetail = lazy(emails, 'EmailDetail');
const Coach = lazy(() => import('./pages/coach.js'), 'Coach');
const Notifications = lazy(notifications, 'Notifications');
const Preferences = lazy(notifications, 'Preferences');

// A deliverable's address (the team's notifications link there) leads to
// its client's board.
function DeliverableLink({ params }) {
  const [error, setError] = useState(null);
  useEffect(() => {
    get(`/api/deliverables/${params.id}`).then(
      (d) => navigate(`/clients/${d.client_id}/deliverables`, { replace: true }),
      setError,
    );
  }, [params.id]);
  return error ? html`<${Page} title="Deliverable"><${ErrorBox} error=${error} /><//>` : html`<${Loading} />`;
}

const PUBLIC = [
  ['/login', Login],
  ['/forgot-password', Forgot],
  ['/reset-password', Reset],
  ['/unlock', Unlock],
  ['/invite', Invite],
  ['/unsubscribe', Unsubscribe],
];
// The help center: public, in the app's frame for whoever is signed in.
const HELP = [
  ['/help', HelpHome],
  ['/help/:slug', HelpArticle],
];
const TEAM = [
  ['/', Dashboard],
  ['/clients', Clients],
  ['/clients/:id', ClientDetail],
  ['/clients/:id/:tab', ClientDetail],
  ['/jobs', Jobs],
  ['/jobs/:id', JobDetail],
  ['/automation', Automation],
  ['/team', Team],
  ['/analytics', Analytics],
  ['/emails', Emails],
  ['/emails/:id', EmailDetail],
  ['/articles', HelpArticles],
  ['/articles/new', HelpEdit],
  ['/articles/:id', HelpEdit],
  ['/tickets', TicketQueue],
  ['/tickets/:id', TicketDetail],
  ['/deliverables/:id', DeliverableLink],
  ['/notifications', Notifications],
  ['/preferences', Preferences],
  ['/coach', Coach],
  ['/coach/:id', Coach],
  ['/account', Account],
];
const PORTAL = [
  ['/portal', PortalHome],
  ['/portal/onboarding', Onboarding],
  ['/portal/plan', PortalPlan],
  ['/portal/deliverables', PortalDeliverables],
  ['/portal/files', PortalFiles],
  ['/portal/tickets', PortalTickets],
  ['/portal/tickets/:id', PortalTicket],
  ['/portal/coach', Coach],
  ['/portal/coach/:id', Coach],
  ['/portal/notifications', Notifications],
  ['/portal/preferences', Preferences],
  ['/account', Account],
];

function find(routes, path) {
  for (const [pattern, component] of routes) {
    const params = match(pattern, path);
    if (params) return { component, params };
  }
  return null;
}

// Redirects after rendering (never during it).
function Redirect({ to }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFound() {
  return html`<${Page} title="Page not found"><p>There is no page at this address. <a href="/">Go to the start page</a>.</p><//>`;
}

function navLinks(user) {
  if (!isTeam(user)) {
    return [['/portal', 'Dashboard'], ['/portal/plan', 'Plan'], ['/portal/deliverables', 'Deliverables'], ['/portal/files', 'Files'], ['/portal/tickets', 'Support'], ['/portal/coach', 'Coach'], ['/help', 'Help']];
  }
  const links = [['/', 'Dashboard'], ['/clients', 'Clients'], ['/tickets', 'Tickets'], ['/coach', 'Coach'], ['/articles', 'Help center']];
  if (isAdmin(user)) links.push(['/analytics', 'Analytics'], ['/jobs', 'Jobs'], ['/automation', 'Automation'], ['/emails', 'Emails'], ['/team', 'Team']);
  return links;
}

function current(path, href) {
  if (href === '/' || href === '/portal') return path === href;
  return path === href || path.startsWith(href + '/');
}

// The user menu: one's account, preferences and signing out.
function UserMenu({ user, path, onLogout }) {
  const [open, setOpen] = useState(false);
  const box = useRef(null);
  useEffect(() => setOpen(false), [path]);
  // Escape or a click elsewhere closes it (Escape gives focus back).
  useEffect(() => {
    if (!open) return undefined;
    const outside = (e) => box.current && !box.current.contains(e.target) && setOpen(false);
    const key = (e) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      box.current.querySelector('button').focus();
    };
    document.addEventListener('click', outside);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('click', outside);
      document.removeEventListener('keydown', key);
    };
  }, [open]);
  const team = isTeam(user);
  const links = [
    ['/account', 'Your account'],
    [team ? '/preferences' : '/portal/preferences', team ? 'Notification preferences' : 'Email preferences'],
  ];
  return html`<div class="who" ref=${box}>
    <button type="button" class="link user-button" aria-expanded=${open} aria-controls="user-menu" onClick=${() => setOpen(!open)}>
      ${user.name || user.email}<span class="sr-only">: your account</span>
    </button>
    <ul id="user-menu" class=${open ? 'open' : ''} hidden=${!open}>
      ${links.map(([href, text]) => html`<li><a href=${href} aria-current=${path === href ? 'page' : undefined}>${text}</a></li>`)}
      <li><button type="button" class="link" onClick=${onLogout}>Sign out</button></li>
    </ul>
  </div>`;
}

// The help center's frame for someone not signed in.
function HelpFrame({ path, children }) {
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/help">WavelaunchOS Help</a>
      <a class="signin" href=${`/login?next=${encodeURIComponent(path)}`}>Sign in</a>
    </header>
    <main id="main" tabindex="-1">${children}</main>`;
}

function Layout({ user, path, onLogout, children }) {
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const team = isTeam(user);
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href=${team ? '/' : '/portal'}>WavelaunchOS</a>
      <${Bell} allHref=${team ? '/notifications' : '/portal/notifications'} />
      <button type="button" class="menu-toggle" aria-expanded=${open} aria-controls="nav" onClick=${() => setOpen(!open)}>
        Menu
      </button>
      <nav id="nav" class=${open ? 'open' : ''} aria-label="Main">
        <ul>
          ${navLinks(user).map(
            ([href, text]) => html`<li><a href=${href} aria-current=${current(path, href) ? 'page' : undefined}>${text}</a></li>`,
          )}
        </ul>
        <${UserMenu} user=${user} path=${path} onLogout=${onLogout} />
      </nav>
    </header>
    <main id="main" tabindex="-1">${children}</main>`;
}

function App() {
  const { path } = useLocation();
  const [user, setUser] = useState(undefined); // undefined: not known yet
  const [logoutError, setLogoutError] = useState(null);

  useEffect(() => {
    // wl_csrf is set with the session cookie and readable here: without
    // it there is no session to ask about (and no 401 to log).
    if (!csrf()) setUser(null);
    else
      get('/api/auth/me').then(
        (me) => setUser(me.user || me),
        () => setUser(null),
      );
    const out = () => setUser(null);
    addEventListener('wl:signed-out', out);
    return () => removeEventListener('wl:signed-out', out);
  }, []);

  const signIn = (res) => {
    setCsrfToken(res.csrf_token);
    setUser(res.user);
  };
  const logout = async () => {
    try {
      await api('POST', '/api/auth/logout');
      setCsrfToken('');
      setUser(null);
      navigate('/login');
    } catch (e) {
      setLogoutError(explain(e));
    }
  };

  if (user === undefined) return html`<${Loading} what="Loading WavelaunchOS" />`;
  const helpPage = find(HELP, path);
  if (helpPage) {
    const page = html`<${helpPage.component} params=${helpPage.params} key=${path} />`;
    return html`<${Session.Provider} value=${{ user, setUser, signIn }}>
      ${user ? html`<${Layout} user=${user} path=${path} onLogout=${logout}>${page}<//>` : html`<${HelpFrame} path=${path}>${page}<//>`}
    <//>`;
  }
  const pub = find(PUBLIC, path);
  if (pub) {
    if (user && path === '/login') {
      const next = new URLSearchParams(location.search).get('next');
      // Only a path of this site: never an open redirect to elsewhere.
      const safe = next && next.startsWith('/') && !next.startsWith('//') ? next : null;
      return html`<${Redirect} to=${safe || (isTeam(user) ? '/' : '/portal')} />`;
    }
    return html`<${Session.Provider} value=${{ user, setUser, signIn }}>
      <main id="main" class="public"><${pub.component} params=${pub.params} /></main>
    <//>`;
  }
  if (!user) return html`<${Redirect} to=${`/login?next=${encodeURIComponent(path + location.search)}`} />`;
  // A client user only ever sees the portal: a team address (typed, or a
  // link from someone else) leads to the portal's start page.
  const team = isTeam(user);
  if (!team && path !== '/account' && !path.startsWith('/portal')) return html`<${Redirect} to="/portal" />`;
  let route = find(team ? TEAM : PORTAL, path);
  if (team && path.startsWith('/portal')) {
    route = { component: () => html`<${Page} title="Client portal"><p>The portal is for client users. <a href="/clients">Open a client</a> to see what they see.</p><//>`, params: {} };
  }
  const Component = route ? route.component : NotFound;
  return html`<${Session.Provider} value=${{ user, setUser, signIn }}>
    <${Layout} user=${user} path=${path} onLogout=${logout}>
      ${logoutError && html`<div class="error" role="alert">${logoutError}</div>`}
      <${Component} params=${route ? route.params : {}} key=${path} />
    <//>
  <//>`;
}

interceptLinks();
render(html`<${App} />`, document.getElementById('app'));
