// standalone: `next build` writes a self-contained server (.next/standalone/server.js)
// with only the node_modules it needs; Slipway detects it and runs it as a server.
export default {
  output: "standalone",
};
