// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// How dates, sizes, money and states read on screen.

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function date(s) {
  if (!s) return '—';
  const d = new Date(s.length === 10 ? s + 'T00:00:00' : s);
  return isNaN(d) ? s : dateFmt.format(d);
}

export function when(s) {
  if (!s) return '—';
  const d = new Date(s);
  return isNaN(d) ? s : timeFmt.format(d);
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function money(cents, currency) {
  if (cents === undefined || cents === null) return '—';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'USD' }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency || ''}`;
  }
}

// 'in_review' -> 'In review'
export function label(s) {
  if (!s) return '—';
  const t = String(s).replace(/[_.]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export const MILESTONES = [
  'Brand strategy and positioning',
  'Visual identity',
  'Product development',
  'Content strategy',
  'Store and website',
  'Launch marketing plan',
  'Launch execution',
  'Growth and optimisation',
];

export const CLIENT_STATUSES = ['lead', 'onboarding', 'active', 'paused', 'completed', 'churned', 'archived'];
export const JOB_STATES = ['scheduled', 'available', 'running', 'retryable', 'completed', 'failed', 'cancelled'];
