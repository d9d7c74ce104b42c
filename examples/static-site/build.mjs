import { cpSync, mkdirSync, writeFileSync } from "node:fs";

mkdirSync("dist", { recursive: true });
cpSync("public", "dist", { recursive: true });
writeFileSync("dist/build.json", JSON.stringify({ builtAt: new Date().toISOString() }) + "\n");
console.log("copied public/ to dist/");
