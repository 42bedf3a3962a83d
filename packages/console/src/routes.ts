import type { RouteDefinition } from '@solidjs/router';
import { lazy } from 'solid-js';
import { RequireSession } from './auth/RequireSession.tsx';

/**
 * The route table. Pages load lazily, so the sign-in page does not ship the spend tables;
 * everything except sign-in and set-up sits under {@link RequireSession}.
 */
export const routes: RouteDefinition[] = [
  {
    path: '/sign-in',
    component: lazy(() => import('./pages/sign-in/SignInPage.tsx').then((m) => ({ default: m.SignInPage }))),
  },
  {
    path: '/setup',
    component: lazy(() => import('./pages/setup/SetupPage.tsx').then((m) => ({ default: m.SetupPage }))),
  },
  {
    path: '/',
    component: RequireSession,
    children: [
      {
        path: '/',
        component: lazy(() => import('./pages/overview/OverviewPage.tsx').then((m) => ({ default: m.OverviewPage }))),
      },
      {
        path: '/keys',
        component: lazy(() => import('./pages/keys/KeysPage.tsx').then((m) => ({ default: m.KeysPage }))),
      },
      {
        path: '/spend',
        component: lazy(() => import('./pages/spend/SpendPage.tsx').then((m) => ({ default: m.SpendPage }))),
      },
      {
        path: '/requests',
        component: lazy(() => import('./pages/requests/RequestsPage.tsx').then((m) => ({ default: m.RequestsPage }))),
      },
      {
        path: '/billing',
        component: lazy(() => import('./pages/billing/BillingPage.tsx').then((m) => ({ default: m.BillingPage }))),
      },
      {
        path: '/live',
        component: lazy(() => import('./pages/live/LivePage.tsx').then((m) => ({ default: m.LivePage }))),
      },
      {
        path: '/routing',
        component: lazy(() => import('./pages/routing/RoutingPage.tsx').then((m) => ({ default: m.RoutingPage }))),
      },
      {
        path: '/teams',
        component: lazy(() => import('./pages/teams/TeamsPage.tsx').then((m) => ({ default: m.TeamsPage }))),
      },
      {
        path: '/users',
        component: lazy(() => import('./pages/users/UsersPage.tsx').then((m) => ({ default: m.UsersPage }))),
      },
      {
        path: '/tokens',
        component: lazy(() => import('./pages/tokens/TokensPage.tsx').then((m) => ({ default: m.TokensPage }))),
      },
      {
        path: '/audit',
        component: lazy(() => import('./pages/audit/AuditPage.tsx').then((m) => ({ default: m.AuditPage }))),
      },
      {
        path: '*404',
        component: lazy(() => import('./pages/NotFoundPage.tsx').then((m) => ({ default: m.NotFoundPage }))),
      },
    ],
  },
];
