// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['node_modules/**', 'dist/**', 'out/**', '.cache/**', 'test-artifacts/**', '.vscode-test/**', 'bench/**/*.json'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.ts'],
		rules: {
			curly: 'error',
			eqeqeq: ['error', 'always'],
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
	{
		// `core` is pure logic: no editor, no Docker (brief: testable in plain mocha).
		files: ['extension/core/**/*.ts'],
		rules: {
			'no-restricted-imports': ['error', { paths: ['vscode', 'dockerode'], patterns: ['../docker/*', '../vscode/*', '../cli/*'] }],
		},
	},
	{
		files: ['**/*.mjs', 'media/**/*.js'],
		languageOptions: { globals: { console: 'readonly', process: 'readonly', window: 'readonly', document: 'readonly', acquireVsCodeApi: 'readonly' } },
	},
);
