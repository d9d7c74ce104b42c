// The actions the audit log knows by name, for the console's filter (client-safe:
// no server imports). Verbs that record a new action should add it here; the
// filter's free-text prefix still finds actions missing from this list.
export const AUDIT_ACTIONS = [
  "project.create",
  "project.update",
  "project.rotateWebhookSecret",
  "deployment.create",
  "deployment.cancel",
  "deployment.publish",
  "deployment.promote",
  "rollout.advance",
  "rollout.pause",
  "rollout.resume",
  "rollout.promote",
  "rollout.abort",
  "rollout.rollback",
  "rollout.succeed",
  "env.update",
  "drain.create",
  "drain.remove",
  "domain.add",
  "domain.verify",
  "domain.remove",
  "domain.certificate.upload",
  "domain.certificate.remove",
  "member.invite",
  "member.join",
  "member.changeRole",
  "token.create",
  "token.revoke",
] as const;

// The prefixes that group them ("deployment." matches every deployment action).
export const AUDIT_ACTION_GROUPS = [...new Set(AUDIT_ACTIONS.map((a) => a.slice(0, a.indexOf(".") + 1)))];

export const AUDIT_TARGET_TYPES = ["project", "deployment", "route", "rollout", "user", "invitation", "api_token", "domain", "log_drain"] as const;
