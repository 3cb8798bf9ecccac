import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "cdktf.out/", ".gen/", "plans/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // The package root pulls in every resource binding: about 5 s and 750 MB per process.
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cdktf/provider-aws", message: "Import the resource file instead, e.g. @cdktf/provider-aws/lib/s3-bucket." },
            { name: "@cdktf/provider-null", message: "Import the resource file instead, e.g. @cdktf/provider-null/lib/resource." },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: {
        module: "writable",
        require: "readonly",
        process: "readonly",
        __dirname: "readonly",
        __filename: "readonly",
        console: "readonly",
      },
    },
    // Plain CommonJS files (scripts/build.js runs before anything is compiled): require is their import.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
