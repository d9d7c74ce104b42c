import type { ProjectSource } from "@/components/projects/types";

// A short, human description of where a project's code comes from.
export function describeSource(p: ProjectSource): string {
  if (p.sourceKind === "git") return `${shortRepo(p.gitUrl ?? "")} · ${p.productionBranch}`;
  if (p.sourceKind === "directory") return p.sourcePath ?? "Example app";
  return "Uploaded archives";
}

// https://github.com/acme/web.git and git@github.com:acme/web.git both read as github.com/acme/web.
function shortRepo(url: string): string {
  const scp = /^[^@\s]+@([^:\s]+):(.+)$/.exec(url);
  const path = scp ? `${scp[1]}/${scp[2]}` : url.replace(/^[a-z]+:\/\/([^@/]*@)?/, "");
  return path.replace(/\.git$/, "").replace(/\/$/, "");
}
