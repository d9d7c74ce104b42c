"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";
import { displayLogText } from "@/lib/ui/log-text";
import { BuildLogStore } from "@/components/deployments/build-log-store";
import type { LogLine } from "@/components/deployments/types";

// Every row has the same height, so the list is a plain multiplication: fast at
// any length, and nothing moves when lines arrive.
const ROW_HEIGHT = 20;
const OVERSCAN = 40;

const STREAM_CLASSES: Record<LogLine["stream"], string> = {
  stdout: "border-transparent text-zinc-100",
  stderr: "border-red-400 bg-red-500/15 text-red-200",
  system: "border-sky-400 bg-sky-400/10 font-semibold text-sky-200",
};

// The line number is drawn from data-seq by CSS, so a row's text is only the line itself.
const ROW =
  "absolute top-0 left-0 flex h-5 w-max min-w-full border-l-2 pr-4 whitespace-pre " +
  "before:sticky before:left-0 before:w-[8ch] before:shrink-0 before:bg-zinc-950 before:pr-3 before:text-right " +
  "before:text-zinc-500 before:select-none before:content-[attr(data-seq)]";

type Props = { deploymentId: string; lineCount: number };

// Mount with key={deploymentId}: the store belongs to one deployment.
export function BuildLog({ deploymentId, lineCount }: Props) {
  const [store] = useState(() => new BuildLogStore(deploymentId));
  useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
  // The page's line count first, so the first poll asks only for newer lines.
  useEffect(() => store.growTo(lineCount), [store, lineCount]);
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);

  const total = store.total;
  const scrollRef = useRef<HTMLDivElement>(null);
  const lastScrollTop = useRef(0);
  const [follow, setFollow] = useState(true);

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render on purpose
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const firstSeq = items.length > 0 ? items[0].index + 1 : 0;
  const lastSeq = items.length > 0 ? items[items.length - 1].index + 1 : 0;

  // Load the rows on screen; a short pause lets a fast scroll settle first.
  useEffect(() => {
    if (lastSeq === 0) return;
    const timer = setTimeout(() => store.ensure(firstSeq, lastSeq), 50);
    return () => clearTimeout(timer);
  }, [store, firstSeq, lastSeq, total]);

  // Following: every new line scrolls the tail into view.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!follow || !el || total === 0) return;
    el.scrollTop = el.scrollHeight;
    lastScrollTop.current = el.scrollTop;
  }, [follow, total]);

  function onScroll() {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= ROW_HEIGHT;
    // Scrolling up pauses following; coming back down to the end resumes it.
    if (el.scrollTop < lastScrollTop.current && !atBottom) setFollow(false);
    else if (atBottom && el.scrollTop > lastScrollTop.current) setFollow(true);
    lastScrollTop.current = el.scrollTop;
  }

  return (
    <div className="overflow-hidden rounded-lg border border-zinc-800 bg-zinc-950 shadow-sm">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-zinc-800 px-4 py-2 text-xs text-zinc-400">
        <p className="tabular-nums" data-testid="build-log-count">
          {total.toLocaleString("en")} {total === 1 ? "line" : "lines"}
          {!store.done && total > 0 && <span className="text-sky-300"> · streaming</span>}
        </p>
        <button
          type="button"
          aria-pressed={follow}
          onClick={() => setFollow((f) => !f)}
          title={follow ? "Following new lines; scroll up or click to stop" : "Jump to the end and follow new lines"}
          className={`inline-flex h-7 items-center gap-1.5 rounded-md px-2.5 font-medium ${
            follow ? "bg-zinc-700 text-white hover:bg-zinc-600" : "text-zinc-300 ring-1 ring-zinc-700 ring-inset hover:bg-zinc-800"
          }`}
        >
          <span aria-hidden="true" className={`size-1.5 rounded-full ${follow ? "bg-emerald-400" : "bg-zinc-500"}`} />
          Follow
        </button>
      </div>
      {store.error && (
        <div role="alert" className="flex flex-wrap items-center justify-between gap-2 border-b border-red-900 bg-red-950 px-4 py-2 text-xs text-red-200">
          <span>{store.error.message}</span>
          <button type="button" onClick={() => store.retry()} className="rounded px-2 py-1 font-medium underline hover:bg-red-900">
            Try again
          </button>
        </div>
      )}
      <div
        ref={scrollRef}
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label="Build log"
        data-testid="build-log"
        className="h-[26rem] overflow-auto font-mono text-xs leading-5 focus-visible:outline-offset-[-2px] sm:h-[32rem]"
      >
        {total === 0 ? (
          <p className="px-4 py-3 text-zinc-400">{store.done ? "This deployment wrote no build output." : "Waiting for build output…"}</p>
        ) : (
          <div className="relative min-w-full" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const seq = item.index + 1;
              const line = store.cache.get(seq);
              const style = { transform: `translateY(${item.start}px)` };
              return line ? (
                <div
                  key={seq}
                  data-testid="log-line"
                  data-seq={seq}
                  data-stream={line.stream}
                  style={style}
                  className={`${ROW} ${STREAM_CLASSES[line.stream]}`}
                >
                  {displayLogText(line.text)}
                </div>
              ) : (
                <div key={seq} aria-hidden="true" data-seq={seq} style={style} className={`${ROW} items-center border-transparent`}>
                  <span className="h-2 w-40 rounded-sm bg-zinc-800" />
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
