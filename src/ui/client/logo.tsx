/** @jsxImportSource hono/jsx/dom */
/** The gateway's mark (the favicon's arch), drawn inline. */
export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" width="24" height="24" aria-hidden="true">
      <rect width="32" height="32" rx="7" class="logo-bg" />
      <path d="M9 25V14a7 7 0 0 1 14 0v11" fill="none" class="logo-arch" stroke-width="4" />
      <path d="M4 25h24" class="logo-base" stroke-width="3" stroke-linecap="round" />
    </svg>
  );
}
