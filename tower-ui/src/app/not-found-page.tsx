import { Link } from 'react-router';
import { EmptyState } from '../components/ui/states.js';

export function NotFoundPage() {
  return (
    <EmptyState title="This page does not exist.">
      <Link to="/apps">Back to apps</Link>
    </EmptyState>
  );
}
