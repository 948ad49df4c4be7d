package smtp.webconsole.internal;

import static org.junit.Assert.assertEquals;

import java.util.Hashtable;

import org.junit.Test;

public class HtmlTest {

    @Test
    public void markupAndQuotesAreEscaped() {
        assertEquals("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;",
                Html.escape("<script>alert('x')</script> & \""));
        assertEquals("", Html.escape(null));
    }

    @Test
    public void filterValuesAreEscaped() {
        assertEquals("a\\2a\\28b\\29\\5c", Controls.escape("a*(b)\\"));
        assertEquals("smtp.server.binding~smtp", Controls.escape("smtp.server.binding~smtp"));
    }

    @Test
    public void bindingNamesComeFromTheirProperties() {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("address", "127.0.0.1");
        properties.put("port", 2525);
        properties.put("tlsMode", "starttls");
        assertEquals("127.0.0.1 port 2525 starttls", BindingNames.of("pid", properties));
        properties.remove("address");
        properties.put("usage", "external");
        properties.put("tlsMode", "none");
        assertEquals("external port 2525", BindingNames.of("pid", properties));
        assertEquals("internal port 25", BindingNames.of("pid", new Hashtable<>()));
        assertEquals("pid", BindingNames.of("pid", null));
        properties.put("name", "mx");
        assertEquals("mx (external port 2525)", BindingNames.of("pid", properties));
    }

    @Test
    public void policyVerdictsAreATableOfPluginsByActionWithNamesEscaped() {
        java.io.StringWriter html = new java.io.StringWriter();
        SmtpConsole.renderPolicyVerdicts(new java.io.PrintWriter(html, true), java.util.Map.of(
                "<b>rate</b>", java.util.Map.of("CONTINUE", 7L, "DEFER", 2L), "dnsbl", java.util.Map.of("REJECT", 1L)));
        String text = html.toString();
        assertEquals(true, text.contains("<th>CONTINUE</th><th>DEFER</th><th>REJECT</th>"));
        assertEquals(true, text.contains("<tr><td>&lt;b&gt;rate&lt;/b&gt;</td><td data-policy='&lt;b&gt;rate&lt;/b&gt;' "
                + "data-action='CONTINUE'>7</td>"));
        assertEquals(true, text.contains("<td data-policy='dnsbl' data-action='CONTINUE'>0</td>"));
    }
}
