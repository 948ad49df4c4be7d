package smtp.webconsole.internal;

import java.io.IOException;
import java.io.PrintWriter;

import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** The SMTP page ({@link SmtpConsole}) in the Felix web console 5, a Jakarta servlet plugin. */
@Component(service = Servlet.class, enabled = false, property = {ServletConstants.PLUGIN_LABEL + "=" + SmtpConsole.LABEL,
        ServletConstants.PLUGIN_TITLE + "=" + SmtpConsole.TITLE, ServletConstants.PLUGIN_CATEGORY + "=" + SmtpConsole.CATEGORY})
public final class SmtpPage extends AbstractServlet {

    private static final long serialVersionUID = 1L;

    private final transient SmtpConsole console;

    @Activate
    public SmtpPage(@Reference SmtpConsole console) {
        this.console = console;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        console.post(exchange(request, response));
    }

    @Override
    public void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
        console.render(exchange(request, response));
    }

    private static SmtpConsole.Exchange exchange(HttpServletRequest request, HttpServletResponse response) {
        return new SmtpConsole.Exchange() {
            @Override
            public String parameter(String name) {
                return request.getParameter(name);
            }

            @Override
            public String header(String name) {
                return request.getHeader(name);
            }

            @Override
            public String remoteAddress() {
                return request.getRemoteAddr();
            }

            @Override
            public String self() {
                return request.getScheme() + "://" + request.getHeader("Host");
            }

            @Override
            public String pageRoot() {
                return String.valueOf(request.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT));
            }

            @Override
            public PrintWriter writer() throws IOException {
                return response.getWriter();
            }

            @Override
            public void redirect(String location) throws IOException {
                response.sendRedirect(location);
            }

            @Override
            public void forbidden(String message) throws IOException {
                response.sendError(HttpServletResponse.SC_FORBIDDEN, message);
            }
        };
    }
}
