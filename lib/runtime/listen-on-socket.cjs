"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node --require) */
// Preloaded into every Node process of a server instance (NODE_OPTIONS=--require).
// An instance runs in a network namespace of its own, which the router cannot
// reach; so the server's listen() on PORT becomes a listen() on the Unix socket
// SLIPWAY_LISTEN_SOCKET, which the router connects to. Any other port stays an
// ordinary TCP port inside the sandbox. server.address() still answers with
// PORT, so frameworks that print or read it see what they asked for.
const net = require("node:net");

const socketPath = process.env.SLIPWAY_LISTEN_SOCKET;
const port = Number(process.env.PORT);
let taken = false;

if (socketPath && Number.isInteger(port) && port > 0) {
  const listen = net.Server.prototype.listen;
  const address = net.Server.prototype.address;
  const asked = (args) => {
    const first = args[0];
    if (first !== null && typeof first === "object" && !Array.isArray(first)) return first.path === undefined ? Number(first.port) : NaN;
    if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) return Number(first);
    return NaN;
  };
  net.Server.prototype.listen = function (...args) {
    if (taken || asked(args) !== port) return listen.apply(this, args);
    taken = true;
    this.__slipwayPort = port;
    const callback = typeof args[args.length - 1] === "function" ? args[args.length - 1] : undefined;
    const options = typeof args[0] === "object" && args[0] !== null ? args[0] : {};
    const backlog = typeof options.backlog === "number" ? options.backlog : 511;
    return callback ? listen.call(this, { path: socketPath, backlog }, callback) : listen.call(this, { path: socketPath, backlog });
  };
  net.Server.prototype.address = function () {
    if (this.__slipwayPort === undefined) return address.call(this);
    return { address: "0.0.0.0", family: "IPv4", port: this.__slipwayPort };
  };
}
