"use client";

import { useMemo, useState } from "react";
import { buildFileTree, folderPaths, type TreeFile, type TreeFolder } from "@/lib/ui/file-tree";
import { formatBytes, shortDigest } from "@/lib/ui/format";
import { useManifest } from "@/components/deployments/queries";
import type { BundleInfo, Manifest } from "@/components/deployments/types";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { Panel } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";

// Small bundles open fully; big ones start with their top-level folders closed.
const EXPAND_ALL_UP_TO = 300;

const ROW = "grid min-h-10 grid-cols-[minmax(0,1fr)_5rem_4.5rem] items-center gap-x-3 py-1.5 pr-3 sm:grid-cols-[minmax(0,1fr)_5.5rem_11rem_4.5rem]";

type Props = { deploymentId: string; bundle: BundleInfo | null; finished: boolean };

export function ManifestTree({ deploymentId, bundle, finished }: Props) {
  const query = useManifest(deploymentId, bundle?.digest ?? null);
  if (!bundle) {
    return (
      <div data-testid="manifest">
        {finished ? (
          <EmptyState title="No bundle">This deployment stopped before its build output was packed.</EmptyState>
        ) : (
          <EmptyState title="No bundle yet">The files appear here once the build has packed its output.</EmptyState>
        )}
      </div>
    );
  }
  if (query.isPending) return <Loading label="Loading the bundle's files" rows={2} />;
  if (query.isError) {
    return <LoadError title="The bundle's files could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }
  return <Tree manifest={query.data} />;
}

function Tree({ manifest }: { manifest: Manifest }) {
  const tree = useMemo(() => buildFileTree(manifest.files), [manifest.files]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(
    () => new Set(manifest.files.length <= EXPAND_ALL_UP_TO ? folderPaths(tree) : []),
  );
  const toggle = (path: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  return (
    <Panel className="overflow-hidden">
      <div data-testid="manifest">
        <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 border-b border-zinc-200 px-4 py-3 text-sm">
          <p className="text-zinc-700">
            <span className="font-medium text-zinc-900 tabular-nums">{manifest.fileCount.toLocaleString("en")}</span>{" "}
            {manifest.fileCount === 1 ? "file" : "files"} ·{" "}
            <span className="font-medium text-zinc-900 tabular-nums">{formatBytes(manifest.totalBytes)}</span>
          </p>
          {manifest.digest && (
            <p className="flex min-w-0 items-center gap-1.5 text-zinc-600">
              Digest
              <code className="font-mono text-xs text-zinc-900" title={manifest.digest} data-testid="manifest-digest">
                {shortDigest(manifest.digest)}
              </code>
              <CopyButton value={manifest.digest} compact srLabel="Copy the bundle digest" />
            </p>
          )}
        </div>
        {tree.children.length === 0 ? (
          <p className="px-4 py-6 text-center text-sm text-zinc-500">The bundle has no files.</p>
        ) : (
          <>
            <div
              aria-hidden="true"
              className={`${ROW} border-b border-zinc-200 bg-zinc-50 pl-4 text-xs font-medium text-zinc-500`}
            >
              <span>Name</span>
              <span className="text-right">Size</span>
              <span className="hidden sm:block">Type</span>
              <span />
            </div>
            <FolderChildren folder={tree} depth={0} expanded={expanded} onToggle={toggle} />
          </>
        )}
      </div>
    </Panel>
  );
}

type ChildrenProps = { folder: TreeFolder; depth: number; expanded: ReadonlySet<string>; onToggle: (path: string) => void };

function FolderChildren({ folder, depth, expanded, onToggle }: ChildrenProps) {
  return (
    <ul role="list" className={depth === 0 ? "divide-y divide-zinc-100" : ""}>
      {folder.children.map((node) =>
        node.kind === "folder" ? (
          <FolderRow key={`d:${node.path}`} folder={node} depth={depth} expanded={expanded} onToggle={onToggle} />
        ) : (
          <FileRow key={`f:${node.path}`} node={node} depth={depth} />
        ),
      )}
    </ul>
  );
}

const indent = (depth: number) => ({ paddingLeft: `${1 + depth * 1.25}rem` });

function FolderRow({ folder, depth, expanded, onToggle }: ChildrenProps) {
  const open = expanded.has(folder.path);
  const id = `manifest-folder-${folder.path}`;
  return (
    <li>
      <div className={`${ROW} hover:bg-zinc-50`} style={indent(depth)} data-testid="manifest-folder" data-path={folder.path}>
        <button
          type="button"
          aria-expanded={open}
          aria-controls={open ? id : undefined}
          onClick={() => onToggle(folder.path)}
          className="flex min-w-0 items-center gap-1.5 rounded text-left text-sm font-medium text-zinc-900"
        >
          <Chevron open={open} />
          <span className="truncate">{folder.name}/</span>
          <span className="shrink-0 text-xs font-normal text-zinc-500 tabular-nums">
            {folder.fileCount.toLocaleString("en")} {folder.fileCount === 1 ? "file" : "files"}
          </span>
        </button>
        <span className="text-right text-xs text-zinc-600 tabular-nums">{formatBytes(folder.size)}</span>
        <span className="hidden sm:block" />
        <span />
      </div>
      {open && (
        <div id={id}>
          <FolderChildren folder={folder} depth={depth + 1} expanded={expanded} onToggle={onToggle} />
        </div>
      )}
    </li>
  );
}

function FileRow({ node, depth }: { node: TreeFile; depth: number }) {
  const { file } = node;
  return (
    <li
      className={`${ROW} hover:bg-zinc-50`}
      style={indent(depth)}
      data-testid="manifest-file"
      data-path={node.path}
      data-sha256={file.sha256}
    >
      <span className="flex min-w-0 items-center gap-1.5 text-sm text-zinc-800" title={`${node.path}\nSHA-256 ${file.sha256}`}>
        <FileIcon />
        <span className="truncate font-mono text-xs">{node.name}</span>
      </span>
      <span className="text-right text-xs text-zinc-600 tabular-nums">{formatBytes(file.size)}</span>
      <span className="hidden truncate text-xs text-zinc-500 sm:block" title={file.contentType}>
        {file.contentType}
      </span>
      <CopyButton value={file.sha256} compact label="SHA" srLabel={`Copy SHA-256 of ${node.path}`} className="w-full" />
    </li>
  );
}

function Chevron({ open }: { open: boolean }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className={`size-3.5 shrink-0 text-zinc-500 transition-transform ${open ? "rotate-90" : ""}`}>
      <path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function FileIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5 shrink-0 text-zinc-400">
      <path d="M4 1.75h5l3 3v9.5H4z" fill="none" stroke="currentColor" strokeWidth="1.25" strokeLinejoin="round" />
    </svg>
  );
}
