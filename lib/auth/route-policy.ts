import type { Action } from "@/lib/auth/roles";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

// What a route needs from its caller:
// - "public": anyone, signed in or not (the request carries its own credential, or none is needed);
// - "signedIn": any signed-in person or API token, answering only about the caller's own teams;
// - "action": a role in the target's team that POLICY allows `action`; outsiders get a 404.
//   `sessionOnly` routes refuse API tokens whatever their role.
export type Access =
  | { kind: "public"; why: string }
  | { kind: "signedIn" }
  | { kind: "action"; action: Action; sessionOnly?: true };

const action = (a: Action): Access => ({ kind: "action", action: a });

// Every API route (its path under app/, as Next names it) and method. route-policy.test.ts
// fails when a route file exports a method missing here, or this names one that does not exist;
// e2e/access-matrix.spec.ts calls each one as every kind of actor and checks the answer.
export const ROUTE_POLICY: Record<string, Partial<Record<HttpMethod, Access>>> = {
  "/api/auth/[...nextauth]": {
    GET: { kind: "public", why: "next-auth: sign-in page data, CSRF token, session" },
    POST: { kind: "public", why: "next-auth: sign-in and sign-out, guarded by its own CSRF token" },
  },
  "/api/healthz": { GET: { kind: "public", why: "liveness probe" } },
  "/api/hooks/git/[project]": { POST: { kind: "public", why: "git host push; the body's HMAC signature is the credential" } },
  "/api/invitations/accept": { POST: { kind: "public", why: "the invitation token is the credential" } },
  "/api/me": { GET: { kind: "signedIn" } },

  "/api/projects": { GET: { kind: "signedIn" }, POST: action("project.create") },
  "/api/projects/[slug]": { GET: action("project.read"), PATCH: action("project.update") },
  "/api/projects/[slug]/branches": { GET: action("project.read") },
  "/api/projects/[slug]/deployments": { GET: action("project.read"), POST: action("deployment.create") },
  "/api/projects/[slug]/domains": { GET: action("domain.read"), POST: action("domain.write") },
  "/api/projects/[slug]/drains": { GET: action("project.update"), POST: action("project.update") },
  "/api/projects/[slug]/env": { GET: action("env.read"), POST: action("env.write") },
  "/api/projects/[slug]/logs": { GET: action("logs.read") },
  "/api/projects/[slug]/traces/[traceId]": { GET: action("logs.read") },
  "/api/projects/[slug]/webhook": { GET: action("project.read"), POST: action("project.update") },

  "/api/deployments/[id]": { GET: action("project.read") },
  "/api/deployments/[id]/cancel": { POST: action("deployment.cancel") },
  "/api/deployments/[id]/errors": { GET: action("logs.read") },
  "/api/deployments/[id]/logs": { GET: action("project.read") },
  "/api/deployments/[id]/manifest": { GET: action("project.read") },
  "/api/deployments/[id]/promote": { GET: action("deployment.promote"), POST: action("deployment.promote") },
  "/api/deployments/[id]/redeploy": { POST: action("deployment.create") },
  "/api/deployments/[id]/rollout": { GET: action("project.read") },
  "/api/deployments/[id]/runtime": { GET: action("project.read") },
  "/api/deployments/[id]/runtime-logs": { GET: action("logs.read") },

  "/api/rollouts/[id]/abort": { POST: action("rollout.control") },
  "/api/rollouts/[id]/pause": { POST: action("rollout.control") },
  "/api/rollouts/[id]/promote": { POST: action("rollout.control") },
  "/api/rollouts/[id]/resume": { POST: action("rollout.control") },

  "/api/domains/[id]": { DELETE: action("domain.write") },
  "/api/drains/[id]": { DELETE: action("project.update") },
  "/api/domains/[id]/verify": { POST: action("domain.write") },
  "/api/domains/[id]/certificate": { PUT: action("domain.write"), DELETE: action("domain.write") },

  "/api/teams/[teamId]/audit": { GET: action("audit.read") },
  "/api/teams/[teamId]/invitations": { POST: action("member.invite") },
  "/api/teams/[teamId]/members": { GET: action("member.read") },
  "/api/teams/[teamId]/members/[userId]": { PATCH: action("member.changeRole") },
  "/api/teams/[teamId]/tokens": { GET: action("token.read"), POST: { kind: "action", action: "token.create", sessionOnly: true } },
  "/api/teams/[teamId]/tokens/[tokenId]": { DELETE: action("token.revoke") },
};

// Server actions ("use server"), by file then exported function. There are none:
// the console calls the API routes above. route-policy.test.ts fails if one appears unlisted.
export const SERVER_ACTIONS: Record<string, Record<string, Access>> = {};
