// The slug the server derives from a name when none is given (lib/projects/project-input.ts):
// lowercase letters, digits and single hyphens, at most 32 characters.
export function suggestSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/, "");
}
