// A bundle manifest's flat file list as a folder tree, for the console's manifest view.

export type ManifestFile = { path: string; size: number; sha256: string; contentType: string };

export type TreeFile = { kind: "file"; name: string; path: string; file: ManifestFile };

export type TreeFolder = {
  kind: "folder";
  name: string;
  // "" for the root, otherwise "assets/img" (no leading or trailing slash).
  path: string;
  size: number;
  fileCount: number;
  children: TreeNode[];
};

export type TreeNode = TreeFolder | TreeFile;

const segmentsOf = (path: string) => path.split("/").filter((s) => s !== "" && s !== ".");

const byName = (a: TreeNode, b: TreeNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// Folders come first, then files, each in code-point order of their names.
// Sizes and file counts of folders include everything below them.
export function buildFileTree(files: readonly ManifestFile[]): TreeFolder {
  const root: TreeFolder = { kind: "folder", name: "", path: "", size: 0, fileCount: 0, children: [] };
  const folders = new Map<string, TreeFolder>([["", root]]);

  for (const file of files) {
    const segments = segmentsOf(file.path);
    if (segments.length === 0) continue;
    let parent = root;
    parent.size += file.size;
    parent.fileCount++;
    for (let i = 0; i < segments.length - 1; i++) {
      const path = segments.slice(0, i + 1).join("/");
      let folder = folders.get(path);
      if (!folder) {
        folder = { kind: "folder", name: segments[i], path, size: 0, fileCount: 0, children: [] };
        folders.set(path, folder);
        parent.children.push(folder);
      }
      folder.size += file.size;
      folder.fileCount++;
      parent = folder;
    }
    parent.children.push({ kind: "file", name: segments[segments.length - 1], path: segments.join("/"), file });
  }

  sortTree(root);
  return root;
}

function sortTree(folder: TreeFolder) {
  const subfolders = folder.children.filter((c): c is TreeFolder => c.kind === "folder").sort(byName);
  const files = folder.children.filter((c): c is TreeFile => c.kind === "file").sort(byName);
  folder.children = [...subfolders, ...files];
  for (const sub of subfolders) sortTree(sub);
}

// Every folder path in the tree except the root, e.g. to expand them all.
export function folderPaths(root: TreeFolder): string[] {
  const paths: string[] = [];
  const walk = (folder: TreeFolder) => {
    for (const child of folder.children) {
      if (child.kind === "folder") {
        paths.push(child.path);
        walk(child);
      }
    }
  };
  walk(root);
  return paths;
}
