/**
 * Pictures of a graph: Graphviz DOT (rendered to SVG by a WebAssembly Graphviz, no system binary) and
 * Mermaid text for Markdown. Nodes show their ports; edges carry the port types; included graphs are
 * drawn as clusters.
 */
import { formatPortType } from './port-types.js';
import { liveNodes, type Plan, type PlannedNode } from './plan.js';

export { liveNodes };

const KIND_COLOUR: Record<string, string> = {
  source: '#d8f0d8',
  map: '#dce8f8',
  reduce: '#fbe3c8',
  symbolic: '#e8dcf5',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function dotId(id: string): string {
  return '"' + id.replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/** Split text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function portCell(prefix: 'in' | 'out', port: string): string {
  return `<TD PORT="${prefix}_${esc(port)}" ALIGN="${prefix === 'in' ? 'LEFT' : 'RIGHT'}"><FONT POINT-SIZE="9">${esc(port)}</FONT></TD>`;
}

function nodeLabel(node: PlannedNode, used = true): string {
  const ins = Object.keys(node.def.inputs).filter((p) => p in node.resolved.in);
  const outs = Object.keys(node.def.outputs);
  const rows = Math.max(ins.length, outs.length, 1);
  const colour = used ? (KIND_COLOUR[node.def.kind] ?? '#eeeeee') : '#f4f4f4';
  const ink = used ? '#000000' : '#9a9a9a';
  let html = `<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="${colour}" COLOR="${ink}">`;
  html += `<TR><TD COLSPAN="3"><FONT COLOR="${ink}"><B>${esc(node.id.split('/').pop()!)}</B><BR/><FONT POINT-SIZE="9">${esc(node.def.type)}${used ? '' : ' (not used)'}</FONT></FONT></TD></TR>`;
  for (let i = 0; i < rows; i++) {
    const inPort = ins[i];
    const outPort = outs[i];
    html += '<TR>';
    html += inPort ? portCell('in', inPort) : '<TD BORDER="0"></TD>';
    html += '<TD BORDER="0"></TD>';
    html += outPort ? portCell('out', outPort) : '<TD BORDER="0"></TD>';
    html += '</TR>';
  }
  return html + '</TABLE>';
}

interface Edge {
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
  type: string;
}

/** Every wired edge with the type its producer declares. */
function edges(plan: Plan): Edge[] {
  const out: Edge[] = [];
  for (const node of plan.nodes.values()) {
    for (const input of node.inputs) {
      for (const src of input.sources) {
        const producer = plan.nodes.get(src.nodeId);
        if (!producer) continue;
        const type = formatPortType(producer.outputTypes[src.port] ?? { kind: 'any' });
        out.push({ from: src.nodeId, fromPort: src.port, to: node.id, toPort: input.port, type });
      }
    }
  }
  return out;
}

interface ClusterTree {
  id: string;
  label: string;
  nodes: PlannedNode[];
  children: Map<string, ClusterTree>;
}

function clusterTree(plan: Plan): ClusterTree {
  const root: ClusterTree = { id: '', label: '', nodes: [], children: new Map() };
  const labels = new Map(plan.graph.clusters.map((c) => [c.id, c.name]));
  for (const id of plan.order.length ? plan.order : [...plan.nodes.keys()]) {
    const node = plan.nodes.get(id)!;
    let t = root;
    for (const c of node.resolved.cluster) {
      if (!t.children.has(c)) t.children.set(c, { id: c, label: labels.get(c) ?? c, nodes: [], children: new Map() });
      t = t.children.get(c)!;
    }
    t.nodes.push(node);
  }
  return root;
}

export function toDot(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`digraph ${dotId(plan.graph.name)} {`);
  lines.push('  rankdir=LR; newrank=true; nodesep=0.25; ranksep=0.6;');
  const title = [plan.graph.name, ...wrap(plan.graph.description ?? '', 110)].join('\n');
  lines.push(`  label=${dotId(title)}; labelloc=t; fontname="Helvetica"; fontsize=14;`);
  lines.push('  node [shape=plain fontname="Helvetica" fontsize=11];');
  lines.push('  edge [fontname="Helvetica" fontsize=8 color="#555555" fontcolor="#335577"];');
  const live = liveNodes(plan);
  const emit = (t: ClusterTree, indent: string): void => {
    for (const n of t.nodes) lines.push(`${indent}${dotId(n.id)} [label=<${nodeLabel(n, live.has(n.id))}>];`);
    for (const c of t.children.values()) {
      lines.push(`${indent}subgraph ${dotId('cluster_' + c.id)} {`);
      lines.push(`${indent}  label=${dotId(c.label)}; style="rounded,dashed"; color="#888888"; fontsize=11;`);
      emit(c, indent + '  ');
      lines.push(`${indent}}`);
    }
  };
  emit(clusterTree(plan), '  ');
  for (const e of edges(plan)) {
    const style = live.has(e.to) ? '' : ' color="#c8c8c8" fontcolor="#b0b0b0" style=dashed';
    lines.push(`  ${dotId(e.from)}:${dotId('out_' + e.fromPort)}:e -> ${dotId(e.to)}:${dotId('in_' + e.toPort)}:w [label=${dotId(e.type)}${style}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function mermaidId(id: string): string {
  return 'n_' + id.replace(/[^A-Za-z0-9_]/g, '_');
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

export function toMermaid(plan: Plan): string {
  const lines = ['flowchart LR'];
  const shape = (n: PlannedNode): string => {
    const label = `"<b>${mermaidText(n.id.split('/').pop()!)}</b><br/><small>${mermaidText(n.def.type)}</small>"`;
    switch (n.def.kind) {
      case 'source':
        return `${mermaidId(n.id)}([${label}])`;
      case 'reduce':
        return `${mermaidId(n.id)}[[${label}]]`;
      case 'symbolic':
        return `${mermaidId(n.id)}{{${label}}}`;
      default:
        return `${mermaidId(n.id)}[${label}]`;
    }
  };
  const emit = (t: ClusterTree, indent: string): void => {
    for (const n of t.nodes) lines.push(indent + shape(n));
    for (const c of t.children.values()) {
      lines.push(`${indent}subgraph ${mermaidId('cluster_' + c.id)}["${mermaidText(c.label)}"]`);
      emit(c, indent + '  ');
      lines.push(`${indent}end`);
    }
  };
  emit(clusterTree(plan), '  ');
  const live = liveNodes(plan);
  const unused = [...plan.nodes.keys()].filter((id) => !live.has(id));
  if (unused.length) {
    lines.push('  classDef unused fill:#f4f4f4,stroke:#bbb,color:#999,stroke-dasharray:4 3');
    lines.push(`  class ${unused.map(mermaidId).join(',')} unused`);
  }
  for (const e of edges(plan)) {
    const label = e.fromPort === e.toPort ? `${e.fromPort}: ${e.type}` : `${e.fromPort}→${e.toPort}: ${e.type}`;
    lines.push(`  ${mermaidId(e.from)} -- "${mermaidText(label)}" --> ${mermaidId(e.to)}`);
  }
  return lines.join('\n') + '\n';
}

let vizInstance: Promise<{ renderString(dot: string, options: { format: string; engine?: string }): string }> | undefined;

/** Render DOT to SVG with the WebAssembly build of Graphviz. */
export async function renderSvg(dot: string): Promise<string> {
  vizInstance ??= import('@viz-js/viz').then((m) => m.instance());
  const viz = await vizInstance;
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}
