import { describe, expect, it } from "vitest";
import { buildFileTree, folderPaths, type ManifestFile, type TreeFolder, type TreeNode } from "@/lib/ui/file-tree";

const file = (path: string, size = 1): ManifestFile => ({ path, size, sha256: `sha-${path}`, contentType: "text/plain" });

// name(size) for files, name/[...] for folders: a compact picture of the tree.
function shape(node: TreeNode): unknown {
  if (node.kind === "file") return `${node.name}(${node.file.size})`;
  return { [`${node.name}/ ${node.fileCount} files ${node.size} B`]: node.children.map(shape) };
}

describe("buildFileTree", () => {
  it("nests paths, folders first, names sorted, with folder totals", () => {
    const tree = buildFileTree([
      file("index.html", 500),
      file("assets/app.js", 3000),
      file("assets/img/logo.svg", 200),
      file("404.html", 100),
      file("assets/app.css", 700),
      file("assets/img/bg.png", 4000),
    ]);
    expect(shape(tree)).toEqual({
      "/ 6 files 8500 B": [
        {
          "assets/ 4 files 7900 B": [
            { "img/ 2 files 4200 B": ["bg.png(4000)", "logo.svg(200)"] },
            "app.css(700)",
            "app.js(3000)",
          ],
        },
        "404.html(100)",
        "index.html(500)",
      ],
    });
  });

  it("keeps full paths on nodes and the original file entries", () => {
    const tree = buildFileTree([file("a/b/c.txt", 3)]);
    const a = tree.children[0] as TreeFolder;
    const b = a.children[0] as TreeFolder;
    expect([a.path, b.path]).toEqual(["a", "a/b"]);
    expect(b.children[0]).toMatchObject({ kind: "file", name: "c.txt", path: "a/b/c.txt", file: { sha256: "sha-a/b/c.txt" } });
  });

  it("ignores leading slashes, ./ and empty segments", () => {
    const tree = buildFileTree([file("/a//b.txt"), file("./a/c.txt"), file("")]);
    expect(shape(tree)).toEqual({ "/ 2 files 2 B": [{ "a/ 2 files 2 B": ["b.txt(1)", "c.txt(1)"] }] });
  });

  it("is empty for no files", () => {
    expect(buildFileTree([])).toMatchObject({ fileCount: 0, size: 0, children: [] });
  });

  it("lists every folder path", () => {
    const tree = buildFileTree([file("a/b/c.txt"), file("a/d.txt"), file("e/f.txt"), file("g.txt")]);
    expect(folderPaths(tree)).toEqual(["a", "a/b", "e"]);
  });
});
