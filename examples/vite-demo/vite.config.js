import { defineConfig } from "vite";

export default defineConfig({ envPrefix: ["VITE_", "PUBLIC_"] });
