import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "Email is too long.")
  .pipe(z.email("Enter a valid email address."));

export const role = z.enum(ROLES, "Role must be owner, admin, developer or viewer.");

export const password = z
  .string()
  .min(12, "Password must be at least 12 characters.")
  .max(200, "Password must be at most 200 characters.");
