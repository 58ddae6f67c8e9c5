export const metadata = { title: "Next.js host — kyc-share-widget" };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
