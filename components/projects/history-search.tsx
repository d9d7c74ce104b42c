"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";

const DEBOUNCE_MS = 300;

// The history's search box: a SHA prefix or words of a commit message. The
// search runs once typing pauses (or on Enter); `value` is the search in the
// URL, which can also change by itself (Back, Clear filters).
export function HistorySearch({ id, value, onSearch }: { id: string; value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  // What this box last sent: when the URL catches up with it, the text typed since stays.
  const [sent, setSent] = useState(value);
  if (value !== seen) {
    setSeen(value);
    if (value !== sent) {
      setText(value);
      setSent(value);
    }
  }

  // The page re-renders on every poll; the pending search must not restart with it.
  const onSearchRef = useRef(onSearch);
  useEffect(() => {
    onSearchRef.current = onSearch;
  });
  useEffect(() => {
    const q = text.trim();
    if (q === sent) return;
    const timer = setTimeout(() => {
      setSent(q);
      onSearchRef.current(q);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, sent]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const q = text.trim();
    if (q === sent) return;
    setSent(q);
    onSearch(q);
  }

  return (
    <form role="search" onSubmit={submit} className="min-w-0">
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-zinc-600">
        Search
      </label>
      <input
        id={id}
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="SHA or message"
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        className="block h-9 w-full rounded-md border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 hover:border-zinc-400"
      />
    </form>
  );
}
