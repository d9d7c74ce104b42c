import "./style.css";

// PUBLIC_ variables are the only ones Vite exposes to the browser bundle.
const greeting = import.meta.env.PUBLIC_GREETING ?? "Hello from Slipway";

document.querySelector("#app").innerHTML = `
  <h1>${greeting}</h1>
  <p>This page was built on the server and served from an immutable bundle.</p>
  <p class="version">Version 1</p>
`;
