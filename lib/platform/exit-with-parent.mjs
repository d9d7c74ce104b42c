// Preloaded (node --import) into every child the supervisor starts: if the
// supervisor dies without stopping us (kill -9), we are re-parented; exit then
// so no process outlives it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
