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
    }
}
