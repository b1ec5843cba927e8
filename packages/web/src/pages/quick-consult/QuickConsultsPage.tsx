/** Placeholder until the page is written (issue 7). */
export default function QuickConsultsPage() { return null; }
