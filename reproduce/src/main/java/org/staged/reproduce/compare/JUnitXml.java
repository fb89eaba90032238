package org.staged.reproduce.compare;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.staged.api.AtomicFiles;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A comparison's verdicts as a JUnit XML report (the Ant/Surefire format Jenkins, GitLab and GitHub Actions
 * read): one test suite, one test case per verdict, a failure element for each verdict that failed.
 */
public final class JUnitXml {
    private JUnitXml() {
    }

    /**
     * @param o       what the comparison found
     * @param seconds how long it took
     * @return the report
     */
    public static String of(Comparison.Outcome o, double seconds) {
        try {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element suites = d.createElement("testsuites");
            d.appendChild(suites);
            Element suite = d.createElement("testsuite");
            suites.appendChild(suite);
            List<Comparison.Verdict> vs = o.verdicts();
            long failures = vs.stream().filter(v -> !v.passed()).count();
            suite.setAttribute("name", "staged compare " + o.operator());
            suite.setAttribute("tests", String.valueOf(vs.size()));
            suite.setAttribute("failures", String.valueOf(failures));
            suite.setAttribute("errors", "0");
            suite.setAttribute("skipped", "0");
            suite.setAttribute("time", String.format(java.util.Locale.ROOT, "%.3f", seconds));
            for (Comparison.Verdict v : vs) {
                Element tc = d.createElement("testcase");
                tc.setAttribute("classname", "staged.compare." + Comparison.safe(o.operator()) + "." + v.group());
                tc.setAttribute("name", v.name());
                tc.setAttribute("time", "0");
                if (!v.passed()) {
                    Element f = d.createElement("failure");
                    f.setAttribute("message", v.message());
                    f.setAttribute("type", v.group());
                    f.setTextContent(v.message());
                    tc.appendChild(f);
                }
                suite.appendChild(tc);
            }
            Element out = d.createElement("system-out");
            out.setTextContent(Comparison.markdown(o));
            suite.appendChild(out);
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(d), new StreamResult(w));
            return w.toString();
        } catch (ParserConfigurationException | TransformerException e) {
            throw new IllegalStateException("JUnit XML: " + e.getMessage(), e);
        }
    }

    /** Writes the report through a temp file, so a reader never sees half of it. */
    public static void write(Path file, Comparison.Outcome o, double seconds) {
        AtomicFiles.writeString(file, of(o, seconds));
    }
}
