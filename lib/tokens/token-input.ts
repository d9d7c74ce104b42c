import { z } from "zod";
import { role } from "@/lib/teams/team-input";

export const createTokenInput = z.object({
  teamId: z.uuid(),
  name: z.string().trim().min(1, "Name is required.").max(60, "Name is at most 60 characters."),
  role,
  expiresInDays: z.union([z.literal(7), z.literal(30), z.literal(90), z.literal(365), z.null()], {
    error: "Expiry must be 7, 30, 90 or 365 days, or never.",
  }),
});

export const TOKEN_PREFIX = "slw_";
export const tokenShape = /^slw_[A-Za-z0-9_-]{43}$/;

export const tokenSelect = {
  id: true,
  name: true,
  prefix: true,
  role: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
  user: { select: { name: true, email: true } },
} as const;

export const toTokenView = <T extends { user: { name: string; email: string } }>({ user, ...rest }: T) => ({ ...rest, createdBy: user });
