import { Dropdown, Menu, ToolbarButton } from '@grafana/ui';
import { useState } from 'react';

import { readHistory } from './history';

interface Props {
  /** Questions Grafana already knows (Explore's query history), merged after this session's. */
  extra?: string[];
  onPick: (question: string) => void;
}

/** This session's questions, one click away. */
export function HistoryButton({ extra = [], onPick }: Props) {
  const [items, setItems] = useState<string[]>([]);
  const refresh = () => setItems(unique([...readHistory(), ...extra]).slice(0, 20));

  const menu = (
    <Menu>
      {items.length === 0 ? (
        <Menu.Item label="No questions asked yet" disabled />
      ) : (
        items.map((q) => <Menu.Item key={q} label={q} onClick={() => onPick(q)} />)
      )}
    </Menu>
  );

  return (
    <Dropdown overlay={menu} placement="bottom-end" onVisibleChange={(open) => open && refresh()}>
      <ToolbarButton icon="history" variant="canvas" aria-label="Question history">
        History
      </ToolbarButton>
    </Dropdown>
  );
}

function unique(list: string[]): string[] {
  return Array.from(new Set(list.map((q) => q.trim()).filter((q) => q !== '')));
}
