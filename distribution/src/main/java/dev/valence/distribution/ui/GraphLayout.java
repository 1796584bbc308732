package dev.valence.distribution.ui;

import dev.valence.api.NodeResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.math.ElkPadding;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.HierarchyHandling;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.util.ElkGraphUtil;

/**
 * Places a dispatch's nodes with ELK's layered algorithm (Sugiyama style, left to right): a box per
 * node (a sub-workflow's box holds its nodes), an edge per data dependency between nodes neither of
 * which holds the other, in absolute coordinates.
 */
final class GraphLayout {
    static final double NODE_WIDTH = 150;
    static final double NODE_HEIGHT = 36;
    private static final double TITLE = 22;

    static {
        LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
    }

    /** A box, in absolute coordinates. */
    record Box(double x, double y, double w, double h) {
    }

    /** An edge from the node {@code from} depends on to {@code to}, as a polyline of absolute points. */
    record Edge(String from, String to, List<double[]> points) {
    }

    /** Where everything goes. */
    record Layout(Map<String, Box> boxes, List<Edge> edges, double width, double height) {
    }

    private GraphLayout() {
    }

    /** Lays the nodes out; edges to nodes not in the list are left out. */
    static Layout of(List<NodeResult> nodes) {
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
        root.setProperty(CoreOptions.HIERARCHY_HANDLING, HierarchyHandling.INCLUDE_CHILDREN);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 40.0);
        root.setProperty(CoreOptions.SPACING_NODE_NODE, 16.0);
        Map<String, ElkNode> elk = new LinkedHashMap<>();
        Map<String, NodeResult> byId = new HashMap<>();
        nodes.forEach(n -> byId.put(n.nodeId(), n));
        for (NodeResult n : nodes) {
            create(n, byId, elk, root);
        }
        List<ElkEdge> edges = new ArrayList<>();
        for (NodeResult n : nodes) {
            for (String dep : n.dependsOn()) {
                ElkNode from = elk.get(dep);
                // a sub-workflow "depends on" its own nodes (its value is theirs): its box holding them says that
                if (from != null && !dep.equals(n.nodeId()) && !nested(n.nodeId(), dep, byId)
                        && !nested(dep, n.nodeId(), byId)) {
                    ElkEdge e = ElkGraphUtil.createSimpleEdge(from, elk.get(n.nodeId()));
                    ElkGraphUtil.updateContainment(e);
                    edges.add(e);
                }
            }
        }
        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());
        Map<String, Box> boxes = new LinkedHashMap<>();
        elk.forEach((id, e) -> {
            double[] at = absolute(e);
            boxes.put(id, new Box(at[0], at[1], e.getWidth(), e.getHeight()));
        });
        Map<ElkNode, String> ids = new HashMap<>();
        elk.forEach((id, e) -> ids.put(e, id));
        List<Edge> out = new ArrayList<>();
        for (ElkEdge e : edges) {
            double[] origin = e.getContainingNode() == null || e.getContainingNode() == root ? new double[] {0, 0}
                    : absolute(e.getContainingNode());
            List<double[]> points = new ArrayList<>();
            for (ElkEdgeSection s : e.getSections()) {
                points.add(new double[] {origin[0] + s.getStartX(), origin[1] + s.getStartY()});
                for (ElkBendPoint p : s.getBendPoints()) {
                    points.add(new double[] {origin[0] + p.getX(), origin[1] + p.getY()});
                }
                points.add(new double[] {origin[0] + s.getEndX(), origin[1] + s.getEndY()});
            }
            out.add(new Edge(ids.get(ElkGraphUtil.connectableShapeToNode(e.getSources().get(0))),
                    ids.get(ElkGraphUtil.connectableShapeToNode(e.getTargets().get(0))), points));
        }
        return new Layout(boxes, out, root.getWidth(), root.getHeight());
    }

    private static ElkNode create(NodeResult n, Map<String, NodeResult> byId, Map<String, ElkNode> elk, ElkNode root) {
        ElkNode done = elk.get(n.nodeId());
        if (done != null) {
            return done;
        }
        NodeResult parent = n.parent().map(byId::get).orElse(null);
        ElkNode container = parent == null ? root : create(parent, byId, elk, root);
        ElkNode e = ElkGraphUtil.createNode(container);
        e.setIdentifier(n.nodeId());
        e.setDimensions(NODE_WIDTH, NODE_HEIGHT);
        if (n.workflow()) {
            // its size comes from what it holds; room at the top for its name
            e.setProperty(CoreOptions.PADDING, new ElkPadding(TITLE + 8, 12, 12, 12));
        }
        elk.put(n.nodeId(), e);
        return e;
    }

    /** Whether {@code node} sits (at any depth) inside the sub-workflow {@code ancestor}. */
    private static boolean nested(String node, String ancestor, Map<String, NodeResult> byId) {
        for (NodeResult at = byId.get(node); at != null; at = at.parent().map(byId::get).orElse(null)) {
            if (at.parent().filter(ancestor::equals).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static double[] absolute(ElkNode n) {
        double x = 0;
        double y = 0;
        for (ElkNode at = n; at != null && at.getParent() != null; at = at.getParent()) {
            x += at.getX();
            y += at.getY();
        }
        return new double[] {x, y};
    }
}
