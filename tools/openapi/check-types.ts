// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
//
// A program written against the types openapi-typescript generates from
// docs/openapi.json (gen/api.d.ts), compiled by `tsc --strict` in the
// tests: it reads and sends what a client of the API reads and sends, so a
// document whose types cannot be used that way (a bare {"type":"object"}
// becomes Record<string, never>; a missing body, header or status) fails
// to compile.
import type { components, operations, paths } from "./gen/api";

type Schemas = components["schemas"];
type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Problem<R> = R extends { content: { "application/problem+json": infer B } } ? B : never;

// Free-form objects are open objects both ways.
export function clientSummary(c: Schemas["Client"]): string {
  const handles = Object.entries(c.social_handles).map(([k, v]) => `${k}=${String(v)}`);
  const audience: unknown = c.intake["audience"];
  const nullable: string | null = c.email;
  return `${c.name} (${c.status}) ${handles.join(",")} ${String(audience)} ${nullable ?? "-"}`;
}

export const newClient: operations["createClient"]["requestBody"] extends infer B
  ? B extends { content: { "application/json": infer J } } ? J : never
  : never = {
  name: "Ada",
  social_handles: { instagram: "@ada" },
  intake: { audience: "runners", budget: 1200, goals: ["launch"] },
};

export function jobArgs(j: Schemas["JobDetail"]): number {
  const client: unknown = j.args["client_id"];
  return (client ? 1 : 0) + j.log.length + j.errors.length;
}

export const rule: Schemas["AutomationRule"]["config"] = { reminder_days: 3, milestones: { "1": "2026-01-31" } };

export function logDetail(l: Schemas["AutomationLog"]): string {
  return Object.keys(l.detail).join(",") + (l.action ?? "");
}

// activity: null for the system, absent for client users.
export function actor(a: Schemas["Activity"]): string {
  return a.actor_id === undefined ? "hidden" : a.actor_id === null ? "system" : a.actor_id;
}

// The portal.
export function portal(
  d: Json<operations["portalDashboard"]["responses"][200]>,
  p: Json<operations["portalPlan"]["responses"][200]>,
  l: Json<operations["portalDeliverables"]["responses"][200]>,
): number {
  const next = d.next_steps.map((s) => `${s.milestone}:${s.title}:${s.due_date ?? ""}`);
  const recent = d.recent_activity.map((a) => a.summary);
  return d.progress.percent + next.length + recent.length + p.version + l.data.filter((x) => x.status === "ready").length;
}

// A sparse fieldset: only id is sure to be there.
export function names(page: Json<operations["listClients"]["responses"][200]>): string[] {
  return page.data.map((c) => c.name ?? c.id);
}
export const cursor: string | null = null satisfies Json<operations["listClients"]["responses"][200]>["next_cursor"];

// The forgot-password request and answer.
export const forgot: paths["/api/auth/password/forgot"]["post"]["requestBody"] = {
  content: { "application/json": { email: "ada@example.com" } },
};
export const accepted: Json<operations["forgotPassword"]["responses"][202]>["status"] = "accepted";

// Problems: the code, the request id, field errors; a 429 says when to retry.
export function problem(p: Problem<operations["createClient"]["responses"][422]>): string {
  return `${p.code} ${p.request_id} ${Object.entries(p.errors ?? {}).map(([f, m]) => `${f}: ${m}`).join("; ")}`;
}
export function retry(r: operations["createClient"]["responses"][429]): number {
  return r.headers["Retry-After"] + r.headers["RateLimit-Reset"];
}
export const csrf: NonNullable<operations["createClient"]["parameters"]["header"]>["X-CSRF-Token"] = "token";

// Files: JSON metadata, and the content as whatever type was detected.
export function file(f: Schemas["File"]): string {
  return `${f.name} ${f.content_type} ${f.size} ${f.sha256} ${f.scan_status}`;
}
export type FileContent = operations["getFileContent"]["responses"][200]["content"]["*/*"];

// A created token carries the token, once.
export function token(t: Json<operations["createToken"]["responses"][201]>): string {
  return t.token + t.name;
}
