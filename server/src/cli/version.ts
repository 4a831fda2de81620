// The version is read from package.json when the CLI is bundled (esbuild inlines JSON imports).
import pkg from '../../../package.json';

export const VERSION: string = pkg.version;
