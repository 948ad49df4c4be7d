package smtp.webconsole.internal;

import java.io.IOException;
import java.io.PrintWriter;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The SMTP page ({@link SmtpConsole}) in the Felix web console 4 (javax servlet), the one Karaf 4.4 ships. That
 * console takes a plain servlet with a label as a plugin: it draws its frame around what a GET writes, and hands a
 * POST to the servlet as it is. {@link ConsolePages} enables it where there is no web console 5.
 */
@Component(service = Servlet.class, enabled = false, property = {JavaxSmtpPage.LABEL + "=" + SmtpConsole.LABEL,
        JavaxSmtpPage.TITLE + "=" + SmtpConsole.TITLE, JavaxSmtpPage.CATEGORY + "=" + SmtpConsole.CATEGORY})
public final class JavaxSmtpPage extends HttpServlet {

    /** Web console 4's plugin properties (its {@code WebConsoleConstants}, the same names as web console 5's). */
    static final String LABEL = "felix.webconsole.label";
    static final String TITLE = "felix.webconsole.title";
    static final String CATEGORY = "felix.webconsole.category";
    static final String PLUGIN_ROOT = "felix.webconsole.pluginRoot";
    private static final long serialVersionUID = 1L;

    private final transient SmtpConsole console;

    @Activate
    public JavaxSmtpPage(@Reference SmtpConsole console) {
        this.console = console;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        console.post(exchange(request, response));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
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
                Object root = request.getAttribute(PLUGIN_ROOT);
                return root != null ? root.toString() : request.getRequestURI();
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
