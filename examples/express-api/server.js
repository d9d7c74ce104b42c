// A small API for Slipway's server runtime: Slipway runs `npm start` with PORT
// set, waits for GET /healthz to answer 2xx, then routes traffic here.
const http = require("node:http");
const express = require("express");
const { WebSocketServer } = require("ws");

const app = express();
app.use(express.json());

const started = new Date().toISOString();
const greeting = process.env.GREETING || "Hello from Express";

app.get("/healthz", (_req, res) => res.json({ ok: true }));

app.get("/", (req, res) => {
  res.json({ message: greeting, started, path: req.path, forwardedFor: req.get("x-forwarded-for") ?? null });
});

app.post("/api/echo", (req, res) => res.json({ received: req.body }));

// Server-Sent Events: a tick a second, five times.
app.get("/api/ticks", (_req, res) => {
  res.set({ "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  let n = 0;
  const timer = setInterval(() => {
    res.write(`data: ${++n}\n\n`);
    if (n === 5) {
      clearInterval(timer);
      res.end();
    }
  }, 1000);
  res.on("close", () => clearInterval(timer));
});

const server = http.createServer(app);

// A WebSocket at /ws that echoes what it gets.
const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (socket) => {
  socket.send(JSON.stringify({ hello: greeting }));
  socket.on("message", (data) => socket.send(JSON.stringify({ echo: data.toString() })));
});

// Slipway sends SIGTERM before it stops an instance: finish what is in flight, then exit.
process.on("SIGTERM", () => {
  for (const client of wss.clients) client.close(1001, "server going away");
  server.close(() => process.exit(0));
});

server.listen(process.env.PORT || 3000, () => console.log(`listening on ${process.env.PORT || 3000}`));
